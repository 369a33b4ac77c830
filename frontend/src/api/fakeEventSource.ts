// A stand-in for the browser's EventSource in component tests (jsdom has none): install it with
// vi.stubGlobal("EventSource", FakeEventSource); the test plays the server's side.
import { act } from "@testing-library/react";

/** The browser's EventSource as far as the app uses it; the test plays the server's side. */
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];

  readyState = FakeEventSource.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, Set<(event: MessageEvent) => void>>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  static latest(): FakeEventSource {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1];
  }

  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.get(type)?.delete(listener);
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
  }

  // The server's side.
  open() {
    act(() => {
      this.readyState = FakeEventSource.OPEN;
      this.onopen?.(new Event("open"));
    });
  }

  send(type: string, data: unknown, id: number) {
    act(() => {
      const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(id) });
      for (const listener of this.listeners.get(type) ?? []) listener(event);
    });
  }

  /** The connection dropped: the browser reconnects by itself (CONNECTING) or gives up (CLOSED). */
  fail(givesUp: boolean) {
    act(() => {
      this.readyState = givesUp ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
      this.onerror?.(new Event("error"));
    });
  }
}
