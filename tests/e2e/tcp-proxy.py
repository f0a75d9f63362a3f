"""A TCP forwarder: listens on 127.0.0.1:PORT and relays every connection to 127.0.0.1:TARGET.
The operator tests put one in front of the node as an operator's first RPC endpoint, then kill it.

usage: tcp-proxy.py PORT TARGET
"""
import socket
import sys
import threading

port, target = int(sys.argv[1]), int(sys.argv[2])


def pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


server = socket.create_server(("127.0.0.1", port))
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
