"""Regenerate tests/references/keras_applications.json from real Keras 3 (not run by the test suite):
    python tests/references/gen_keras_applications.py tests/references/keras_applications.json
"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras
from keras import applications
out = {"_about": f"Layer/weight lists of keras.applications Xception and InceptionV3 (weights=None), "
                  f"each built right after keras.backend.clear_session(); generated with keras "
                  f"{keras.__version__} (TensorFlow backend) for tests/test_applications.py. "
                  "layers: [name, class, count_params]; weights: [path, shape] in model.weights order."}
for name, fn in (("xception", applications.Xception), ("inception_v3", applications.InceptionV3)):
    for top in (False, True):
        keras.backend.clear_session()
        m = fn(weights=None, include_top=top)
        key = f"{name}_{'top' if top else 'notop'}"
        ent = {
            "count_params": m.count_params(),
            "trainable_params": int(sum(int(np.prod(w.shape)) for w in m.trainable_weights)),
            "num_layers": len(m.layers),
            "input_shape": list(m.input.shape)[1:],
            "output_shape": list(m.output.shape)[1:],
            "layers": [[l.name, type(l).__name__, l.count_params()] for l in m.layers],
            "weights": [[w.path, list(w.shape)] for w in m.weights],
        }
        if not top:
            shapes = {}
            for s in (71, 75, 150, 250, 299):
                try:
                    mm = fn(weights=None, include_top=False, input_shape=(s, s, 3))
                    shapes[str(s)] = list(mm.output.shape)[1:]
                except ValueError:
                    shapes[str(s)] = None
            ent["output_shapes"] = shapes
            for pooling in ("avg", "max"):
                mm = fn(weights=None, include_top=False, pooling=pooling)
                ent[f"pooling_{pooling}"] = [list(mm.output.shape)[1:], type(mm.layers[-1]).__name__]
        out[key] = ent
        print(key, ent["count_params"], ent["trainable_params"], ent["num_layers"], len(ent["weights"]), ent["layers"][:3])
with open(sys.argv[1], "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
