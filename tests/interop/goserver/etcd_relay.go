// Copyright: (c) 2026, talos.linux contributors
// GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"io"
	"net/url"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// talosChunkSize is what Talos reads from etcd's snapshot before each SendMsg
// (siderolabs/talos pkg/chunker/stream/stream.go:NewChunker @ v1.13.9, the default Size).
const talosChunkSize = 1024

var etcdSnapshotDesc = &grpc.StreamDesc{StreamName: "Snapshot", ServerStreams: true}

// dialEtcd connects (lazily, as grpc.Dial does) to the etcd client URL given as -etcd; plain http only,
// as talos-sim's and the tests' etcd serve it to this stand-in.
func dialEtcd(clientURL string) (*grpc.ClientConn, error) {
	u, err := url.Parse(clientURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("-etcd %q: want http://HOST:PORT", clientURL)
	}
	return grpc.Dial(u.Host, grpc.WithInsecure(), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
}

// relayEtcdSnapshot is Talos's EtcdSnapshot minus the control-plane check (siderolabs/talos
// internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:EtcdSnapshot @ v1.13.9): etcd's
// Maintenance/Snapshot stream, re-sent as common.Data messages of at most 1 KiB, one SendMsg each. Talos reads
// the blobs through etcd's client, which writes each one whole into a pipe (etcd-io/etcd
// client/v3/maintenance.go:Snapshot @ v3.6.0; Talos v1.13.9 uses v3.6.12), so a read never spans two of
// etcd's messages: neither does a chunk here.
//
// Talos's chunker ends the stream quietly when etcd fails mid-way; this stand-in answers a gRPC status instead,
// so a broken relay can never pass for a short snapshot.
func relayEtcdSnapshot(stream grpc.ServerStream, etcd *grpc.ClientConn) error {
	upstream, err := etcd.NewStream(stream.Context(), etcdSnapshotDesc, "/etcdserverpb.Maintenance/Snapshot")
	if err != nil {
		return etcdFailure(err)
	}
	if err := upstream.SendMsg([]byte{}); err != nil { // an empty SnapshotRequest
		return etcdFailure(err)
	}
	if err := upstream.CloseSend(); err != nil {
		return etcdFailure(err)
	}
	for {
		var reply []byte
		if err := upstream.RecvMsg(&reply); err != nil {
			if err == io.EOF {
				return nil
			}
			return etcdFailure(err)
		}
		blob := snapshotBlob(reply)
		for len(blob) > 0 {
			n := len(blob)
			if n > talosChunkSize {
				n = talosChunkSize
			}
			if err := stream.SendMsg(dataMessage(blob[:n])); err != nil {
				return err
			}
			blob = blob[n:]
		}
	}
}

// etcdFailure keeps etcd's gRPC code (Unavailable when there is none) and says where the error came from.
func etcdFailure(err error) error {
	if s, ok := status.FromError(err); ok {
		return status.Errorf(s.Code(), "failed reading etcd snapshot: %s", s.Message())
	}
	return status.Errorf(codes.Unavailable, "failed reading etcd snapshot: %v", err)
}
