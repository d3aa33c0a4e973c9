#!/usr/bin/env python3
"""Makes the include tree of one module: include_tree.py TREE LIBDIR MODULE...

TREE becomes a directory holding one symlink per MODULE, to LIBDIR/MODULE. A
module is compiled with -I TREE and nothing else of lib/, so `#include
"units/vm_units.hpp"` only resolves when units is the module itself or one it
declared (directly or through the modules it uses): an upward include fails
the build. Run by meson at configure time (lib/meson.build).
"""
import os
import shutil
import sys

tree, libdir, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
if os.path.lexists(tree):
    shutil.rmtree(tree)
os.makedirs(tree)
for module in modules:
    target = os.path.join(libdir, module)
    if not os.path.isdir(target):
        sys.exit(f"include_tree.py: no module {target}")
    os.symlink(target, os.path.join(tree, module))
