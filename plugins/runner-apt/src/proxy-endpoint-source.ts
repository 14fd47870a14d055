/** A proxy URL and the setting that named it, e.g. `Acquire::http::Proxy`. */
export interface ProxyEndpointSource {
  url: string;
  setting: string;
}
