// Copyright: (c) 2026, talos.linux contributors
// GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec passes message bytes through untouched; handlers encode and decode them themselves.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*p = append((*p)[:0], data...)
	return nil
}

func (rawCodec) String() string { return "proto" }

// Name makes rawCodec an encoding.Codec too, for the client side (grpc.ForceCodec).
func (rawCodec) Name() string { return "proto" }

func message(field protowire.Number, body []byte) []byte {
	out := protowire.AppendTag(nil, field, protowire.BytesType)
	return protowire.AppendBytes(out, body)
}

// metadataMessage is common.Metadata{hostname}.
func metadataMessage(hostname string) []byte {
	return message(1, []byte(hostname))
}

// versionReply is machine.VersionResponse{messages: [Version{metadata{hostname: node}, version{tag, os, arch}}]}.
func versionReply(node string) []byte {
	info := append(message(1, []byte("v1.14.0-grpc-go")), message(5, []byte("Talos"))...)
	info = append(info, message(6, []byte("amd64"))...)
	version := append(message(1, metadataMessage(node)), message(2, info)...)
	return message(1, version)
}

// emptyReply is a reply whose one message is {metadata{hostname: note}} (EtcdRecoverResponse, ApplyConfigurationResponse).
func emptyReply(note string) []byte {
	return message(1, message(1, metadataMessage(note)))
}

// dataMessage is common.Data{bytes}.
func dataMessage(b []byte) []byte {
	return message(2, b)
}

// fieldBytes returns the last value of a length-delimited field of a message.
func fieldBytes(msg []byte, want protowire.Number) []byte {
	var found []byte
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return found
		}
		msg = msg[n:]
		if typ == protowire.BytesType && num == want {
			v, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return found
			}
			found = v
			msg = msg[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, msg)
		if m < 0 {
			return found
		}
		msg = msg[m:]
	}
	return found
}

// snapshotBlob is etcdserverpb.SnapshotResponse.blob (field 3: etcd-io/etcd
// api/etcdserverpb/rpc.proto:SnapshotResponse @ v3.6.0, etcdserver/etcdserverpb/rpc.proto @ v3.4.23).
func snapshotBlob(msg []byte) []byte { return fieldBytes(msg, 3) }

// readPath is machine.ReadRequest.path; dataBytes is common.Data.bytes.
func readPath(req []byte) string  { return string(fieldBytes(req, 1)) }
func dataBytes(msg []byte) []byte { return fieldBytes(msg, 2) }
