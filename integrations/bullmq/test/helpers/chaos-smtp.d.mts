export interface ChaosStats {
  connections: number;
  dots: number;
  accepted: number;
  dropped: number;
  tempFailed: number;
}
export interface ChaosSmtp {
  port: number;
  /** Message-ID -> times the server may have taken it (250 or dropped after the dot). */
  taken: Map<string, number>;
  stats: ChaosStats;
  duplicates(): Array<[string, number]>;
  close(): Promise<void>;
}
export declare function startChaosSmtp(options?: { seed?: number; dropRate?: number; tempFailRate?: number }): Promise<ChaosSmtp>;
