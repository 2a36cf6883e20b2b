"""Restrict a model to a profile (RFC 6940 4.2: what a client speaks)."""


def restrict_to_profile(model, profile):
    # Filled in below; the full codec ignores profiles.
    return model
