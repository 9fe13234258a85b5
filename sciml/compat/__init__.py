"""Drop-in namespaces of other libraries (torchdiffeq, torchsde, torchcde) over sciml's own functions."""
