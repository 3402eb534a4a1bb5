vozé x
vox "Café In:“L”"
