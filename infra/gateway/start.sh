#!/usr/bin/env bash
# Start the API gateway: Debian's nginx in front of `tuneton serve`, TLS + HTTP/2 on 127.0.0.1:8443,
# plain HTTP on 127.0.0.1:8088 redirecting to it. Config, logs, pid and temp files under
# $TUNETON_STACK_DIR/gateway (outside the checkout); the dev certificate under $TUNETON_CACHE_DIR.
#   TUNETON_GATEWAY_UPSTREAM    the API, host:port (127.0.0.1:8080)
#   TUNETON_GATEWAY_BIND        listen address (127.0.0.1; 0.0.0.0 in a container)
#   TUNETON_GATEWAY_TLS_PORT / TUNETON_GATEWAY_HTTP_PORT   (8443 / 8088)
#   TUNETON_GATEWAY_CERT / TUNETON_GATEWAY_KEY   production certificate chain and key (PEM); without
#                               them a self-signed one for localhost is made once with openssl
#   TUNETON_GATEWAY_BLOB_DIR    the embedded blob store's files, for media offload (X-Accel-Redirect):
#                               <TUNETON_DATA_DIR or ~/.local/share/tuneton>/blobs/blobs
#   TUNETON_GATEWAY_RATE_IP / _BURST_IP, TUNETON_GATEWAY_RATE_USER / _BURST_USER, _BURST_MEDIA,
#   TUNETON_GATEWAY_CONN_PER_IP limits (20r/s burst 40 per IP, 10r/s burst 20 per user, 200 media burst,
#                               100 connections per IP)
#   TUNETON_GATEWAY_STREAM_CONN_PER_USER audio requests one user may have open at once (16: the API's
#                               max_streams_per_user 4 x 4 ranges each; docs/gateway-and-media.md)
#   TUNETON_GATEWAY_UPLOAD_MAX  body limit of upload routes (200m, the API's default upload_max_bytes)
#   TUNETON_GATEWAY_MEDIA_ORIGINS extra CSP media/connect origins (the S3 endpoint when media redirect there)
#   TUNETON_GATEWAY_ACCESS_LOG  access log path, or off ($STATE/access.log)
#   TUNETON_GATEWAY_MEDIA_AUTH_CACHE how long the API's authorization of a media URL (its offload answer)
#                               is reused per URL and credential (10s; 0s: never): also how long a track
#                               made private or removed keeps playing for a URL that played just before
#                               (plus at most the 5-s refresh of an expired answer)
#   TUNETON_GATEWAY_MEDIA_OFFLOAD the API's media_offload (default: TUNETON_MEDIA_OFFLOAD, else none): with
#                               x-accel the gateway asks the API's authorization in a cached subrequest and
#                               sends the file itself; otherwise every media request goes to the API as is
#   TUNETON_GATEWAY_MEDIA_CACHE_HEADER on: media answers say X-Tuneton-Media-Cache: HIT|MISS|EXPIRED|UPDATING
#                               (whether the API was asked); off (default) in production
#   TUNETON_GATEWAY_IDENTITY_CACHE how long the API's answer "this credential is user X" is reused for
#                               the per-user rate limit (10s); it keys buckets only, never authorizes
#   TUNETON_GATEWAY_HEADER_TIMEOUT / TUNETON_GATEWAY_BODY_TIMEOUT  slow clients are cut off (10s / 10s)
# --foreground runs nginx in the foreground (containers). Idempotent: a running gateway is reloaded
# with the freshly rendered config.
set -euo pipefail
LOG_TAG=gateway
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

FOREGROUND=0
[[ ${1:-} == --foreground ]] && FOREGROUND=1
NGINX=${TUNETON_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[[ -x $NGINX ]] || die "nginx not found; run scripts/install-system.sh (Debian's nginx-light)"

export STATE="$STACK_DIR/gateway"
export CONF_DIR="$STATE/conf"
export UPSTREAM=${TUNETON_GATEWAY_UPSTREAM:-127.0.0.1:8080}
BIND=${TUNETON_GATEWAY_BIND:-127.0.0.1}
export TLS_PORT=${TUNETON_GATEWAY_TLS_PORT:-8443}
HTTP_PORT=${TUNETON_GATEWAY_HTTP_PORT:-8088}
export TLS_LISTEN="$BIND:$TLS_PORT" HTTP_LISTEN="$BIND:$HTTP_PORT"
DATA_DIR=${TUNETON_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tuneton}
export BLOB_DIR=${TUNETON_GATEWAY_BLOB_DIR:-$DATA_DIR/blobs/blobs}
export ACCEL_PREFIX=${TUNETON_MEDIA_ACCEL_PREFIX:-/_tuneton_blobs/}
export RATE_IP=${TUNETON_GATEWAY_RATE_IP:-20r/s} BURST_IP=${TUNETON_GATEWAY_BURST_IP:-40}
export RATE_USER=${TUNETON_GATEWAY_RATE_USER:-10r/s} BURST_USER=${TUNETON_GATEWAY_BURST_USER:-20}
export BURST_MEDIA=${TUNETON_GATEWAY_BURST_MEDIA:-200} CONN_PER_IP=${TUNETON_GATEWAY_CONN_PER_IP:-100}
export STREAM_CONN_PER_USER=${TUNETON_GATEWAY_STREAM_CONN_PER_USER:-16}
export UPLOAD_MAX=${TUNETON_GATEWAY_UPLOAD_MAX:-200m}
export MEDIA_ORIGINS=${TUNETON_GATEWAY_MEDIA_ORIGINS:-}
export ACCESS_LOG=${TUNETON_GATEWAY_ACCESS_LOG:-$STATE/access.log}
export HEADER_TIMEOUT=${TUNETON_GATEWAY_HEADER_TIMEOUT:-10s} BODY_TIMEOUT=${TUNETON_GATEWAY_BODY_TIMEOUT:-10s}
export MEDIA_AUTH_CACHE=${TUNETON_GATEWAY_MEDIA_AUTH_CACHE:-10s}
case ${TUNETON_GATEWAY_MEDIA_OFFLOAD:-${TUNETON_MEDIA_OFFLOAD:-none}} in
  x-accel) export MEDIA_GET_BY_API=0 ;;          # a GET is authorized (cached) and its file sent here
  none | presigned) export MEDIA_GET_BY_API=1 ;; # the API sends the bytes or the redirect: ask it each time
  *) die "TUNETON_GATEWAY_MEDIA_OFFLOAD must be x-accel, none or presigned" ;;
esac
case ${TUNETON_GATEWAY_MEDIA_CACHE_HEADER:-off} in
  on) export MEDIA_CACHE_HEADER='$media_cache_status' ;;  # an nginx variable, left for nginx by envsubst
  off) export MEDIA_CACHE_HEADER="" ;;
  *) die "TUNETON_GATEWAY_MEDIA_CACHE_HEADER must be on or off" ;;
esac
export IDENTITY_CACHE=${TUNETON_GATEWAY_IDENTITY_CACHE:-10s}
export WORKERS=${TUNETON_GATEWAY_WORKERS:-auto}
export DAEMON=on
((FOREGROUND)) && DAEMON=off
# As root the workers would drop to nobody, who cannot read blobs under a mode-700 home: keep the
# invoking user (a container runs the gateway as its own unprivileged user instead).
export USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user $(id -un);"

tls_files() {
  if [[ -n ${TUNETON_GATEWAY_CERT:-} || -n ${TUNETON_GATEWAY_KEY:-} ]]; then
    [[ -r ${TUNETON_GATEWAY_CERT:-} && -r ${TUNETON_GATEWAY_KEY:-} ]] ||
      die "TUNETON_GATEWAY_CERT and TUNETON_GATEWAY_KEY must both name readable PEM files"
    CERT=$TUNETON_GATEWAY_CERT KEY=$TUNETON_GATEWAY_KEY
    return
  fi
  local dir="$CACHE_DIR/gateway-tls"
  CERT="$dir/localhost.crt" KEY="$dir/localhost.key"
  if [[ ! -s $CERT || ! -s $KEY ]]; then
    mkdir -p "$dir"
    log "making a self-signed certificate for localhost (dev only) in $dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$KEY.tmp" -out "$CERT.tmp" 2>/dev/null
    chmod 600 "$KEY.tmp"
    mv "$KEY.tmp" "$KEY" && mv "$CERT.tmp" "$CERT"
  fi
}
tls_files
export CERT KEY

mkdir -p "$CONF_DIR" "$STATE"/tmp/{body,proxy,fastcgi,uwsgi,scgi} "$STATE/cache" "$STATE/empty"
chmod 700 "$STATE/cache"  # the identity cache's keys are credentials
VARS='$USER_LINE $WORKERS $STATE $DAEMON $ACCESS_LOG $UPSTREAM $TLS_LISTEN $HTTP_LISTEN $TLS_PORT $CERT $KEY
$CONF_DIR $BLOB_DIR $ACCEL_PREFIX $RATE_IP $BURST_IP $RATE_USER $BURST_USER $BURST_MEDIA $CONN_PER_IP
$UPLOAD_MAX $MEDIA_ORIGINS $HEADER_TIMEOUT $BODY_TIMEOUT $MEDIA_AUTH_CACHE $STREAM_CONN_PER_USER $IDENTITY_CACHE
$MEDIA_CACHE_HEADER $MEDIA_GET_BY_API'
for name in queries security_headers errors proxy_headers media_limits; do
  envsubst "$VARS" <"$INFRA_DIR/gateway/$name.conf.template" >"$CONF_DIR/$name.conf"
done
envsubst "$VARS" <"$INFRA_DIR/gateway/nginx.conf.template" >"$STATE/nginx.conf"
NGINX_ARGS=(-p "$STATE" -c "$STATE/nginx.conf" -e "$STATE/error.log")
"$NGINX" "${NGINX_ARGS[@]}" -t -q 2>"$STATE/check.log" || { cat "$STATE/check.log" >&2; die "invalid config"; }

if ((FOREGROUND)); then
  log "nginx in the foreground: https://$TLS_LISTEN -> http://$UPSTREAM"
  exec "$NGINX" "${NGINX_ARGS[@]}"
fi
if pid_alive "$STATE/nginx.pid" "$STATE/nginx.conf"; then
  "$NGINX" "${NGINX_ARGS[@]}" -s reload
  log "reloaded (pid $(<"$STATE/nginx.pid"))"
  exit 0
fi
for port in "$TLS_PORT" "$HTTP_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use by something else"
  fi
done
rm -f "$STATE/limiter.sock"  # left behind by a master that was killed; nothing listens on it now
"$NGINX" "${NGINX_ARGS[@]}"
wait_until 10 test -s "$STATE/nginx.pid" || { tail_log "$STATE/error.log"; die "nginx did not start"; }
log "ready on https://$TLS_LISTEN (http://$HTTP_LISTEN redirects) -> http://$UPSTREAM (pid $(<"$STATE/nginx.pid"))"
