import { useState } from "preact/hooks";
import { authHeaders } from "../api/auth";
import { humanMessage, UNREACHABLE } from "../api/errors";
import { rememberToken } from "../api/http";
import type { TrackUploaded, Visibility } from "../api/types";
import { navigate } from "../router";
import { haptic } from "../telegram";
import { Banner, MainAction } from "../ui/components";

/** Upload with progress: XMLHttpRequest, because fetch cannot report upload progress. */
function upload(file: File, visibility: Visibility, onProgress: (fraction: number) => void): Promise<TrackUploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1/tracks?visibility=${visibility}`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body: unknown = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as TrackUploaded);
      else reject(new Error(humanMessage(xhr.status, body).message));
    };
    xhr.onerror = () => reject(new Error(UNREACHABLE));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

export function Upload() {
  const [file, setFile] = useState<File | null>(null);
  const [visibility, setVis] = useState<Visibility>("private");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<TrackUploaded | null>(null);
  const start = async () => {
    if (!file || progress !== null) return;
    setError(null); setDone(null); setProgress(0);
    try {
      const result = await upload(file, visibility, setProgress);
      rememberToken(result.consistency_token);
      setDone(result); haptic("success");
    } catch (e) { setError((e as Error).message); haptic("error"); }
    setProgress(null);
  };
  return (
    <>
      <label class="field" for="file">Audio file (MP3, M4A, FLAC, WAV, OGG…)</label>
      <input id="file" type="file" accept="audio/*,.flac,.m4a,.opus" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      <label class="field" for="up-vis">Who can find it</label>
      <select id="up-vis" value={visibility} onChange={(e) => setVis((e.target as HTMLSelectElement).value as Visibility)}>
        <option value="private">Only me</option><option value="unlisted">Anyone with the link</option><option value="public">Everybody</option>
      </select>
      {progress !== null && <><label class="field" for="up-progress">Uploading… {Math.round(progress * 100)}%</label><progress id="up-progress" max={1} value={progress} /></>}
      <Banner message={error} />
      {done && <div class="banner info" role="status">{done.duplicate ? "You already had this track: " : "Uploaded: "}
        <button onClick={() => navigate(`/track/${done.track_id}`)}>{done.title ?? "Open the track"}</button></div>}
      <div class="actions"><MainAction text="Upload" onClick={() => void start()} disabled={!file || progress !== null} /></div>
    </>
  );
}
