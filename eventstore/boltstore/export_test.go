package boltstore

// WithMaxSize caps the store file at n bytes, so that a test can make commits fail as on a full disk.
func WithMaxSize(o Options, n int) Options {
	o.maxSize = n
	return o
}

// FormatVersion is the layout version this build writes.
const FormatVersion = formatVersion
