kick redlight-source:out_2
snare redlight-source:out_1
vox redlight-source:out_3
