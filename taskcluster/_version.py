"""The package version (read by setuptools for the distribution metadata, and exported as `taskcluster.__version__`).

It sorts above the historical client's last release (113.2.0), so requirements such as `taskcluster>=91` keep
resolving to this package.
"""

__version__ = "200.0.0"
