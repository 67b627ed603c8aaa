package ossapi

import "hash/crc64"

var crcTable = crc64.MakeTable(crc64.ECMA)

// CRC64 is the CRC-64/ECMA-182 OSS keeps of objects (x-oss-hash-crc64ecma).
func CRC64(b []byte) uint64 { return crc64.Checksum(b, crcTable) }

// UpdateCRC64 extends crc, the CRC64 of some bytes, with b.
func UpdateCRC64(crc uint64, b []byte) uint64 { return crc64.Update(crc, crcTable, b) }
