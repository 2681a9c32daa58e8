"""Fast ways to train many runs at once, tested equal to `model/`: stacked-parameter PyTorch
functions (`torch_runs`), the same functions on numba kernels (`numba_runs`, `kernels`,
`tiles`, `lstm`), and Gumbel-softmax sampling (`gumbel`). A newcomer may skip this room."""
