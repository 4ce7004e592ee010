"""The bottom layer: configuration, the Temporal client factory and the YAML reader with line numbers.

Everything above (db/, activities/, workflows/, api/, worker.py, ppid/) may import these; they import only
domain/ and third-party libraries, so no import arrow runs back up."""
