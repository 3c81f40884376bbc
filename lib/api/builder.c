/* placeholder: implemented in this session */ typedef int sg_placeholder_builder;
