"""Social presence: the accounts of the roster's physicians and the health system's own channels."""
