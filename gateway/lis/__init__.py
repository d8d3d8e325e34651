"""IMS LIS Outcomes Management: the SOAP ResultManager (Turnitin-style) and LTI 1.1 POX outcomes."""
