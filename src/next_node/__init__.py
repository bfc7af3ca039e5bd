"""The gateway: chain -> SQL index -> REST API, and the embedded node that `make run` starts."""
