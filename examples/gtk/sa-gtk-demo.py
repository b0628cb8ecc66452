#!/usr/bin/python3
# sa-gtk-demo.py: the GTK 4 demo of sa-gtk-demo.c, in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A window that stays responsive while it runs a blocking Python function
# (on a worker thread), reads the clipboard (an async-only API) from its
# `activate` handler, and cancels with a button.
#
#   sa-gtk-demo.py               the demo
#   sa-gtk-demo.py --self-test   clicks through it, checks that frames kept
#                                coming
#
# The screenshot is the C demo's: PyGObject 3.42 cannot pass the
# GskRenderNode that gsk_renderer_render_texture() needs.

import os
import sys
import time

import gi
gi.require_version('Gdk', '4.0')
gi.require_version('Gtk', '4.0')
gi.require_version('SmartAsync', '1')
from gi.repository import GLib, Gio, Gdk, Gtk, SmartAsync

WORK_STEPS = 40                 # of 50 ms each: a 2 s blocking call


@SmartAsync.smartasync
def slow_work(steps: int, cancellable=None) -> int:
    """Stands in for any blocking library call; honours its cancellable."""
    for _ in range(steps):
        cancellable.set_error_if_cancelled()
        time.sleep(0.05)
    return steps


read_clipboard = SmartAsync.async_pair(Gdk.Clipboard.read_text_async,
                                       lambda clipboard, res: clipboard.read_text_finish(res),
                                       returns=str, params=[Gdk.Clipboard])


class Demo:
    def __init__(self, self_test):
        self.self_test = self_test
        self.frames = 0
        self.frames_at_start = 0
        self.started_at = 0
        self.cancellable = None
        self.in_activate = False
        self.checks = []
        self.step = 0
        self.app = Gtk.Application(application_id='org.smartasync.GtkDemoPy',
                                   flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.app.connect('activate', self.on_activate)

    def on_activate(self, app):
        self.in_activate = True
        if self.self_test:
            GLib.timeout_add_seconds(60, self.on_self_test_timeout)

        self.window = Gtk.ApplicationWindow(application=app, title='smartasync-glib GTK demo')
        self.window.set_default_size(420, -1)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12, margin_start=18,
                      margin_end=18, margin_top=18, margin_bottom=18)
        self.window.set_child(box)
        self.clipboard_label = Gtk.Label(label='Clipboard: …')
        box.append(self.clipboard_label)
        self.spinner = Gtk.Spinner(width_request=32, height_request=32)
        box.append(self.spinner)
        self.progress = Gtk.ProgressBar(pulse_step=0.02)
        box.append(self.progress)
        self.status = Gtk.Label(label='Idle')
        box.append(self.status)
        buttons = Gtk.Box(spacing=6, halign=Gtk.Align.CENTER)
        self.run_button = Gtk.Button(label='Run blocking call')
        self.run_button.connect('clicked', self.on_run_clicked)
        buttons.append(self.run_button)
        self.cancel_button = Gtk.Button(label='Cancel')
        self.cancel_button.connect('clicked', self.on_cancel_clicked)
        buttons.append(self.cancel_button)
        box.append(buttons)
        self.set_busy(False)

        self.window.add_tick_callback(self.on_tick)
        self.window.present()

        clipboard = self.window.get_clipboard()
        if self.self_test:
            clipboard.set_content(Gdk.ContentProvider.new_for_value('smartasync-glib self-test'))

        # activate counts as an async context: the smart call returns at
        # once and on_clipboard_read() runs from the loop.
        pending = read_clipboard.call([clipboard], None, self.on_clipboard_read)
        self.activate_call_was_pending = not pending.get_completed()
        self.in_activate = False

    def on_tick(self, widget, clock):
        self.frames += 1
        if self.cancellable is not None:
            self.progress.pulse()
        return GLib.SOURCE_CONTINUE

    def set_busy(self, busy):
        self.spinner.set_spinning(busy)
        self.run_button.set_sensitive(not busy)
        self.cancel_button.set_sensitive(busy)
        if not busy:
            self.progress.set_fraction(0.0)

    # A button's handler runs in the main loop: the smart call runs the
    # blocking function on a worker thread and on_work_done() here, later.
    def on_run_clicked(self, button):
        self.cancellable = Gio.Cancellable()
        self.frames_at_start = self.frames
        self.started_at = time.monotonic()
        self.set_busy(True)
        self.status.set_text('Working…')
        before = time.monotonic()
        slow_work(WORK_STEPS, cancellable=self.cancellable, callback=self.on_work_done)
        if self.self_test:
            self.check(time.monotonic() - before < 0.2,
                       "the Run button's handler returned at once")

    def on_cancel_clicked(self, button):
        if self.cancellable is not None:
            self.cancellable.cancel()

    def on_work_done(self, fn, result):
        try:
            steps = fn.call_finish(result)
            self.status.set_text('Done: %d steps, %d frames drawn meanwhile'
                                 % (steps, self.frames - self.frames_at_start))
        except GLib.Error as e:
            if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                self.status.set_text('Cancelled')
            else:
                self.status.set_text('Failed: %s' % e.message)
        self.cancellable = None
        self.set_busy(False)
        if self.self_test:
            self.self_test_next()

    def on_clipboard_read(self, fn, result):
        try:
            text = fn.call_finish(result)
        except GLib.Error as e:
            text = e.message
        self.clipboard_label.set_text('Clipboard: %s' % text)
        if self.self_test:
            self.check(self.activate_call_was_pending,
                       'the smart call in activate returned a pending result')
            self.check(not self.in_activate, 'its callback ran after activate returned')
            self.check(text == 'smartasync-glib self-test', 'it read the clipboard')
            self.self_test_next()

    # --self-test

    def check(self, ok, what):
        self.checks.append(ok)
        print('%s %d - %s' % ('ok' if ok else 'not ok', len(self.checks), what), flush=True)

    def click_run(self):
        # A button's activation clicks it from a timeout, as a key press does.
        self.run_button.activate()
        return GLib.SOURCE_REMOVE

    def click_cancel(self):
        self.cancel_button.activate()
        return GLib.SOURCE_REMOVE

    def self_test_next(self):
        frames = self.frames - self.frames_at_start
        elapsed = time.monotonic() - self.started_at
        self.step += 1
        if self.step == 1:
            GLib.timeout_add(300, self.click_run)
        elif self.step == 2:
            print('# %d frames in %d ms of blocking call' % (frames, elapsed * 1000))
            self.check(self.status.get_text().startswith('Done'), 'the blocking call completed')
            self.check(frames >= 10, 'frames kept coming during the blocking call')
            GLib.timeout_add(300, self.click_run)
            GLib.timeout_add(300 + 600, self.click_cancel)
        else:
            self.check(self.status.get_text() == 'Cancelled', 'Cancel cancelled the blocking call')
            self.check(elapsed < WORK_STEPS * 0.05, 'the cancelled call ended before its full length')
            print('1..%d' % len(self.checks))
            self.app.quit()

    def on_self_test_timeout(self):
        print('the self-test did not finish in time', file=sys.stderr)
        os._exit(1)


def main():
    self_test = '--self-test' in sys.argv
    demo = Demo(self_test)
    status = demo.app.run([arg for arg in sys.argv if arg != '--self-test'])
    if self_test and (not demo.checks or not all(demo.checks)):
        status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
