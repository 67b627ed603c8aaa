package osstest

// syncDir does nothing on Windows, which cannot flush a directory; NTFS
// journals the changes to its names.
func syncDir(string) error { return nil }
