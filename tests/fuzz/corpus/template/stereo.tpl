keys system:capture_1 system:capture_2   # a stereo track
piano "Focusrite USB:capture 3" "Focusrite USB:capture 4"
synth	fw:out_1	fw:out_2
