kick system:capture_1
# x
snare
kick system:capture_3
