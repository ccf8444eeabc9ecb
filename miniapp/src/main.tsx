// Boot: connect to Telegram (or not), read the launch parameters, sign in, route `startapp`, render.
import { render } from "preact";
import "./styles.css";
import { signIn } from "./api/auth";
import { ApiError } from "./api/errors";
import { rememberToken } from "./api/http";
import { App } from "./App";
import { readLaunch, routeOfStartParam } from "./launch";
import { metrics, player } from "./player/player";
import { navigate } from "./router";
import { connect } from "./telegram";

const root = document.getElementById("app")!;

function Message({ title, body, retry }: { title: string; body: string; retry?: boolean }) {
  return (
    <main role="alert"><h1>{title}</h1><p>{body}</p>
      {retry && <button class="primary" onClick={() => location.reload()}>Try again</button>}</main>
  );
}

async function boot(): Promise<void> {
  const webApp = await connect();
  const launch = readLaunch(webApp);
  if (!launch) {
    render(<Message title="Open tuneTON from Telegram" body="This app signs you in with Telegram. For development, run `tuneton dev-login` and open the link it prints." />, root);
    return;
  }
  try {
    rememberToken(await signIn(launch.initData));
  } catch (error) {
    const body = error instanceof ApiError ? error.message : "Signing in failed.";
    render(<Message title="Could not sign in" body={body} retry />, root);
    return;
  }
  void player.restore();  // the session's queue and track, from wherever the listener played last
  const target = routeOfStartParam(launch.startParam);
  if (target) navigate(target, true);
  root.textContent = "";
  render(<App />, root);
}

// The browser test reads these; they cost nothing otherwise.
(window as unknown as { __tuneton: unknown }).__tuneton = { player, metrics };
void boot();
