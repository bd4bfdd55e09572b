"""The code generator of the taskcluster SDK: apis.json -> validated model -> files.

Run ``python -m codegen`` (write), ``python -m codegen --check`` (compare with disk) or
``python -m codegen refresh --from SOURCE`` (update apis.json from a deployment's references and schemas:
a directory, a root URL or a bundle file).

The stages live in `codegen.manifest` (load and validate), `codegen.model` (the model),
`codegen.render` (templates to an in-memory file map) and `codegen.refresh`; the data types
made from the manifest's JSON schemas in `codegen.schemas` (walking and resolving schemas),
`codegen.schematypes` (schemas -> records, aliases and type expressions) and `codegen.pytypes`
(the generated types modules' text).
"""

from typing import List

# The stages are imported as submodules (`from codegen import manifest`); nothing is re-exported.
__all__: List[str] = []
