from olistseg.cli import entrypoint

entrypoint()
