"""Pure codecs for the data the platform receives; nothing here imports Django.

`offsite.protocols.gb26875` reads and writes GB/T 26875.3-2011 frames, the
format of the transmission devices that send fire alarms and facility states
to a monitoring centre (IM-6, IM-21).
"""
