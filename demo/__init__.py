"""The bundled demo agency site: the `govaudit demo` target and the main test fixture."""
