# overdub day
lead-vox   system:capture_1

bgv.1      system:capture_2   # backing vocal
tambourine
acoustic   "USB Audio:capture_1"
