#!/usr/bin/env python3
"""Copy Sources/CBRCKernel/include/brc_kernel.h into Sources/BRCCodeGen/ABIHeader.swift.

Generated C is compiled outside the brcc source tree, so the code generator carries the ABI
header's text; run this after editing the header (a test fails until you do)."""
import pathlib
root = pathlib.Path(__file__).resolve().parent.parent
hdr = (root / "Sources/CBRCKernel/include/brc_kernel.h").read_text()
(root / "Sources/BRCCodeGen/ABIHeader.swift").write_text(
    "/// The text of `brc_kernel.h` (Sources/CBRCKernel/include), written next to generated C so\n"
    "/// that a kernel library builds without the brcc sources. tools/sync_abi_header.py writes\n"
    "/// this file; a test keeps the two identical.\n"
    'public let kernelABIHeader = #"""\n' + hdr + '\n"""#\n')
