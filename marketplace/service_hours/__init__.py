"""Hours that count: self-reported hours, who certified, signed service-hour records.

`queries` is the one home of "which hours count": attended shifts that were not
withdrawn and approved reported hours that were not withdrawn. Certificates, the
service-hour record, the API and the impact figures all read hours through it.
"""
