"""What spyne alone costs: a one-operation SOAP 1.1 echo service on the floor's server set-up
(:mod:`bench.floor_server`), answering a readResult-sized envelope. ``bench.compare`` reports it
beside the floor, so the gateway's SOAP paths can be read against the service layer they stand on.
"""
from __future__ import annotations

import gateway  # noqa: F401  (installs the spyne compatibility shim before spyne is imported)
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from bench import floor_server
from bench.floor_server import FloorServer, OnLoop

NAMESPACE = "urn:lms-gateway:bench:echo"


class Echo(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def echo(ctx, text):
        return text


def request(text: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV='
            f'"http://schemas.xmlsoap.org/soap/envelope/" xmlns:e="{NAMESPACE}"><SOAP-ENV:Body>'
            f"<e:echo><e:text>{text}</e:text></e:echo></SOAP-ENV:Body></SOAP-ENV:Envelope>").encode()


class EchoServer(FloorServer):
    def wsgi_app(self):
        soap = WsgiApplication(Application([Echo], tns=NAMESPACE, in_protocol=Soap11(), out_protocol=Soap11()))

        def app(environ, start_response):
            if environ.get("PATH_INFO") == "/healthz":  # what the harness waits for
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"ok"]
            return soap(environ, start_response)

        return OnLoop(app)


if __name__ == "__main__":
    floor_server.run(EchoServer)
