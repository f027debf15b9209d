/// The runtime server: the WhatsApp webhook, the dashboard and the workers.
///
/// This module is filled by the runtime issue (`talab serve`); until then it only names the place,
/// so that the module graph of DESIGN.md builds from the first commit.
public enum Server {}
