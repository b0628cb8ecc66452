# gir-consumer.py: the consumer's typelib, which depends on SmartAsync-1,
# loads, and its function returns a SmartAsync.Function that works.
import sys

import gi
gi.require_version('SaConsumer', '1')
from gi.repository import Gio, GLib, SaConsumer, SmartAsync  # noqa: E402

read = SaConsumer.reader_new_function()
assert isinstance(read, SmartAsync.Function), read
stream = read.call_sync([Gio.File.new_for_path(__file__), GLib.PRIORITY_DEFAULT], None)
assert stream.read_bytes(12, None).get_data() == b'# gir-consum', stream
print('a GIR including SmartAsync-1 from the subproject works')
sys.exit(0)
