// Global test setup: nothing here may depend on the machine's timezone.
