"""The paper's model, readable as the paper: the generator and discriminator of one run
(`networks`) and the training objectives as pure functions of tensors (`objectives`)."""
