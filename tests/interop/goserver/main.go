// Copyright: (c) 2026, talos.linux contributors
// GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

// A small grpc-go server shaped like Talos's apid, for the interop tests: the same TLS settings
// (siderolabs/crypto defaults plus mutual TLS), the same 32 MiB receive limit, Talos method names,
// and grpc-go's own HTTP/2, status and graceful-stop behaviour, which talos-sim can only imitate.
//
// Debian's grpc-go carries no Talos protos, so messages are handled as raw bytes (a pass-through
// codec) and the few fields the tests need are written with protowire.
//
// The `node` metadata selects test behaviour: "refuse" answers PERMISSION_DENIED before reading
// the request, "status-N" fails with gRPC code N after reading it, "slow" answers after 2 s;
// EtcdSnapshot answers "bulk-BYTES" and "bulk-BYTES-status-N" (see etcdSnapshot); with -etcd, any other
// node gets that etcd's real snapshot in Talos's frames (see relayEtcdSnapshot).
// SIGUSR1 stops the serving grpc.Server gracefully (GOAWAY, in-flight calls finish) while a new
// one takes over the listener, as a restarting apid does; SIGTERM stops gracefully and exits.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const maxRecvMsgSize = 32 << 20 // apid: constants.GRPCMaxMessageSize

// etcdConn is the etcd that EtcdSnapshot relays (-etcd), nil without one.
var etcdConn *grpc.ClientConn

func tlsConfig(certFile, keyFile, caFile string, clockOffset time.Duration) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	caPEM, err := ioutil.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no CA certificate in %s", caFile)
	}
	cfg := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		ClientAuth:             tls.RequireAndVerifyClientCert,
		ClientCAs:              pool,
		MinVersion:             tls.VersionTLS12,
		CurvePreferences:       []tls.CurveID{tls.X25519},
		CipherSuites:           []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		SessionTicketsDisabled: true,
		NextProtos:             []string{"h2"},
	}
	if clockOffset != 0 {
		// A node whose clock is ahead: how a certificate that expired on the node looks to the client.
		cfg.Time = func() time.Time { return time.Now().Add(clockOffset) }
	}
	return cfg, nil
}

// handoverListener lets one grpc.Server after another serve the same socket: closing it (what
// GracefulStop does) stops this server's Accept without closing the socket.
type handoverListener struct {
	net.Listener
	conns <-chan net.Conn
	done  chan struct{}
}

func (l *handoverListener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.conns:
		return conn, nil
	case <-l.done:
		return nil, fmt.Errorf("listener handed over")
	}
}

func (l *handoverListener) Close() error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

func newServer(creds credentials.TransportCredentials) *grpc.Server {
	return grpc.NewServer(
		grpc.Creds(creds),
		grpc.CustomCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(maxRecvMsgSize),
		grpc.UnknownServiceHandler(handle),
	)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server key (PKCS#8 PEM)")
	caFile := flag.String("ca", "", "CA that issues client certificates (PEM)")
	clockOffset := flag.Duration("clock-offset", 0, "shift the server's TLS clock")
	etcdURL := flag.String("etcd", "", "etcd client URL (http://HOST:PORT) whose snapshot EtcdSnapshot relays")
	flag.Parse()

	if *etcdURL != "" {
		conn, err := dialEtcd(*etcdURL)
		if err != nil {
			log.Fatal(err)
		}
		etcdConn = conn
	}

	cfg, err := tlsConfig(*certFile, *keyFile, *caFile, *clockOffset)
	if err != nil {
		log.Fatal(err)
	}
	sock, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	conns := make(chan net.Conn)
	go func() {
		for {
			conn, err := sock.Accept()
			if err != nil {
				return
			}
			conns <- conn
		}
	}()
	creds := credentials.NewTLS(cfg)
	serve := func() *grpc.Server {
		srv := newServer(creds)
		go srv.Serve(&handoverListener{Listener: sock, conns: conns, done: make(chan struct{})})
		return srv
	}
	current := serve()
	fmt.Printf("listening %s\n", sock.Addr())
	os.Stdout.Sync()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGTERM)
	for sig := range signals {
		old := current
		if sig == syscall.SIGTERM {
			old.GracefulStop()
			return
		}
		current = serve()
		go func() {
			old.GracefulStop()
			fmt.Println("graceful stop done")
			os.Stdout.Sync()
		}()
	}
}

func handle(_ interface{}, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	node := ""
	if md, ok := metadata.FromIncomingContext(stream.Context()); ok && len(md.Get("node")) > 0 {
		node = md.Get("node")[0]
	}
	if node == "refuse" {
		// apid's authorization runs before the handler reads anything.
		return status.Errorf(codes.PermissionDenied, "not authorized")
	}
	var request []byte
	if method != "/machine.MachineService/EtcdRecover" {
		if err := stream.RecvMsg(&request); err != nil {
			return err
		}
	}
	if strings.HasPrefix(node, "status-") {
		code, _ := strconv.Atoi(strings.TrimPrefix(node, "status-"))
		return status.Errorf(codes.Code(code), "failed on request as asked")
	}
	if node == "slow" {
		select {
		case <-time.After(2 * time.Second):
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
	switch method {
	case "/machine.MachineService/Version":
		return stream.SendMsg(versionReply(node))
	case "/machine.MachineService/ApplyConfiguration":
		return stream.SendMsg(emptyReply(fmt.Sprintf("received %d bytes", len(request))))
	case "/machine.MachineService/Read":
		return readStream(stream, readPath(request))
	case "/machine.MachineService/EtcdRecover":
		return recoverUpload(stream)
	case "/machine.MachineService/EtcdSnapshot":
		return etcdSnapshot(stream, node)
	}
	return status.Errorf(codes.Unimplemented, "unknown method %s", method)
}

// readStream answers Read("/stream/COUNT/INTERVAL") with COUNT chunks, INTERVAL apart.
func readStream(stream grpc.ServerStream, path string) error {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "stream" {
		return status.Errorf(codes.NotFound, "no such file %q", path)
	}
	count, err := strconv.Atoi(parts[1])
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "bad count %q", parts[1])
	}
	interval, err := time.ParseDuration(parts[2])
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "bad interval %q", parts[2])
	}
	for i := 0; i < count; i++ {
		if i > 0 {
			time.Sleep(interval)
		}
		if err := stream.SendMsg(dataMessage([]byte(fmt.Sprintf("chunk %d\n", i)))); err != nil {
			return err
		}
	}
	return nil
}

// etcdSnapshot answers node "bulk-BYTES" with BYTES of data in 1 KiB common.Data messages, one SendMsg each,
// as Talos streams a snapshot (pkg/chunker/stream's 1024-byte reads); message i is its index (4 bytes, big
// endian) over and over, so a lost, repeated or reordered message shows. "bulk-BYTES-status-N" then fails with
// gRPC code N instead of ending well.
func etcdSnapshot(stream grpc.ServerStream, node string) error {
	if etcdConn != nil && !strings.HasPrefix(node, "bulk-") {
		return relayEtcdSnapshot(stream, etcdConn)
	}
	spec, failure, failing := strings.Cut(strings.TrimPrefix(node, "bulk-"), "-status-")
	total, err := strconv.Atoi(spec)
	if !strings.HasPrefix(node, "bulk-") || err != nil {
		return status.Errorf(codes.InvalidArgument, "node %q is not bulk-BYTES", node)
	}
	chunk := make([]byte, 1024)
	for i := 0; total > 0; i++ {
		for j := 0; j < len(chunk); j += 4 {
			binary.BigEndian.PutUint32(chunk[j:], uint32(i))
		}
		n := len(chunk)
		if total < n {
			n = total
		}
		if err := stream.SendMsg(dataMessage(chunk[:n])); err != nil {
			return err
		}
		total -= n
	}
	if failing {
		code, _ := strconv.Atoi(failure)
		return status.Errorf(codes.Code(code), "failed after the data as asked")
	}
	return nil
}

// recoverUpload reads a client stream to its end and says how much arrived.
func recoverUpload(stream grpc.ServerStream) error {
	total := 0
	for {
		var chunk []byte
		err := stream.RecvMsg(&chunk)
		if err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		total += len(dataBytes(chunk))
	}
	return stream.SendMsg(emptyReply(fmt.Sprintf("received %d bytes", total)))
}
