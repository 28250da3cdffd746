"""Regenerate tests/references/keras_api.json from real Keras 3 on JAX (not run by the suite):
    KERAS_BACKEND=jax python tests/references/gen_keras_api.py
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings("ignore")
import keras  # noqa: E402

import keras_api_cases as cases  # noqa: E402

out = {"_about": f"Keras {keras.__version__} ({keras.backend.backend()} backend) results of the "
                 f"cases in keras_api_cases.py"}
out["metrics"] = {cases.case_id(i, c[0]): cases.run_metric(keras.metrics, i)
                  for i, c in enumerate(cases.METRIC_CASES)}
if hasattr(cases, "LOSS_CASES"):
    out["losses"] = {cases.case_id(i, c[0]): cases.run_loss(keras.losses, i)
                     for i, c in enumerate(cases.LOSS_CASES)}
out["metric_variables"] = {cases.case_id(i, c[0]): cases.metric_state(keras.metrics, i)
                           for i, c in enumerate(cases.METRIC_CASES)}
out["schedules"] = {cases.case_id(i, c[0]): cases.run_schedule(keras.optimizers.schedules, i)
                    for i, c in enumerate(cases.SCHEDULE_CASES)}
out["optimizers"] = {cases.case_id(i, c[0]): cases.run_optimizer(keras, i)
                     for i, c in enumerate(cases.OPT_CASES)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_api.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
os.replace(path + ".tmp", path)
print("wrote", path)
