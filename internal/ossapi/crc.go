package ossapi

import "github.com/ossappend/ossappend/internal/fastcrc"

// CRC64 is the CRC-64/ECMA-182 OSS keeps of objects (x-oss-hash-crc64ecma).
func CRC64(b []byte) uint64 { return fastcrc.Checksum(b) }

// UpdateCRC64 extends crc, the CRC64 of some bytes, with b.
func UpdateCRC64(crc uint64, b []byte) uint64 { return fastcrc.Update(crc, b) }
