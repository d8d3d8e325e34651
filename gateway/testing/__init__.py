"""Testing aids shipped with the gateway: the ``lms_gateway`` pytest fixture."""
