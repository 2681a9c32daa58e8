"""Training: the batched trainer, the one-run reference trainer, seeding, sampling from a
checkpoint, and the run folder (`runs`: the one owner of its layout)."""
