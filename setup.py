"""Builds the tagger's optional compiled core; everything else is declared in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the tagger falls back to
its Python path (pipeline/tagging/native.py says which one runs).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pipeline.tagging._native",
            ["pipeline/tagging/_native.pyx"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
