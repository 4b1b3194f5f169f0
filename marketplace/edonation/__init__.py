"""e-Donation beside pledges: an organisation's tax id and bank QR, checked by staff.

The marketplace shows the QR; donors pay in their bank's app, and the bank reports
the donation to the Revenue Department for the donor's tax deduction. No payment
passes through here.
"""
