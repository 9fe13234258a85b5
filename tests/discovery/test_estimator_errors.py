import numpy as np
import pytest

from sciml.discovery import SINDy
from sciml.errors import InputError

T = np.linspace(0, 1, 50)
Y = np.stack([np.sin(T), np.cos(T)], 1)


@pytest.mark.parametrize("params,argument", [
    ({"method": "lasso"}, "method"),
    ({"threshold": "big"}, "threshold"),
    ({"threshold": -0.1}, "threshold"),
    ({"derivative": "magic"}, "derivative"),
    ({"max_degree": 0}, "max_degree"),
    ({"n_models": 1}, "n_models"),
    ({"inclusion": 1.5}, "inclusion"),
    ({"library": "poly2,order3"}, "library"),
    ({"library": 42}, "library"),
])
def test_bad_parameters_name_the_argument(params, argument):
    with pytest.raises(InputError, match=argument):
        SINDy(**params).fit(Y, t=T)


def test_bad_data_names_the_argument():
    with pytest.raises(InputError, match="t"):
        SINDy().fit(Y)
    with pytest.raises(InputError, match="y"):
        SINDy().fit(Y[:10], t=T)
    with pytest.raises(InputError, match="y"):
        SINDy().fit(np.where(Y > 0.5, np.nan, Y), t=T)
    with pytest.raises(InputError, match="estimator"):
        SINDy().predict(Y)
    with pytest.raises(InputError, match="t"):
        SINDy().fit(Y, t=np.r_[T[:25], T[:25] + 2])  # not uniform: the weak form says so
    with pytest.raises(InputError, match="max_degree"):
        SINDy().set_params(max_degree=None).fit(Y, t=T)
