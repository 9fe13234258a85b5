"""torchsde's ``types``: the type aliases its signatures use."""

from collections.abc import Callable, Sequence  # noqa: F401
from typing import Any, Dict, Optional, Tuple, Union  # noqa: F401, UP035

import torch

Tensor = torch.Tensor
Tensors = Sequence[Tensor]
TensorOrTensors = Union[Tensor, Tensors]  # noqa: UP007
Scalar = Union[float, Tensor]  # noqa: UP007
Vector = Union[Sequence[float], Tensor]  # noqa: UP007
Module = torch.nn.Module
Modules = Sequence[Module]
ModuleOrModules = Union[Module, Modules]  # noqa: UP007
Size = torch.Size
Sizes = Sequence[Size]
