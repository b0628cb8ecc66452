/* consumer.vala: the subproject's VAPI, from a Vala program. */
using Sa;

int main () {
    var upper = new Function.sync_full ("upper", typeof (string), { typeof (string) },
                                        FunctionFlags.NONE, (args, out result, cancellable) => {
        result = args[0].get_string ().up ();
        return true;
    });
    try {
        Value shout = upper.call_sync ({ "vala" });
        assert (shout.get_string () == "VALA");
        upper.call_sync ({ 1, 2 });
        assert_not_reached ();
    } catch (CallError.ARGUMENT_COUNT e) {
        print ("smartasync-glib's VAPI as a subproject: %s\n", e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
