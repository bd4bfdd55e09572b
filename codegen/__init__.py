"""The code generator of the taskcluster SDK: apis.json -> validated model -> files.

Run ``python -m codegen`` (write), ``python -m codegen --check`` (compare with disk) or
``python -m codegen refresh --from DIR`` (update apis.json from a deployment's references).
The stages live in `codegen.manifest` (load and validate), `codegen.model` (the model),
`codegen.render` (templates to an in-memory file map) and `codegen.refresh`.
"""

from typing import List

# The stages are imported as submodules (`from codegen import manifest`); nothing is re-exported.
__all__: List[str] = []
