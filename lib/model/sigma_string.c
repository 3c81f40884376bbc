/* placeholder: implemented in this session */ typedef int sg_placeholder_sigma_string;
