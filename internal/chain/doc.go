// Package chain names the objects of a rotation chain and finds them in a
// bucket, for the writer (package ossappend), which rotates to them, and
// the readers (package ossread), which read them back in order.
//
// A writer that fills an object, or finds it taken by another writer,
// rotates to the next key: Rotate(key, 1), Rotate(key, 2), ... The chain of
// a key is the key followed by its rotations in rotation-number order
// (app.2.log before app.10.log), which is the order one writer wrote them.
// A series is a chain, or every object under a prefix, taken as chains in
// key order (see Group).
package chain
