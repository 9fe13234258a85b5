"""Other libraries' public namespaces (torchdiffeq, torchsde, torchcde) over sciml's own functions."""
