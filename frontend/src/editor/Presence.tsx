/**
 * Who else is in the live room: avatars (initials in each person's colour) in the header, and on
 * the canvas each person's selection outlined in their colour with their initials, and their
 * cursor. The overlay sits in React Flow's viewport, so it pans and zooms with the diagram and
 * never touches the nodes themselves; the own cursor goes to the room (throttled there).
 */
import { useStore, useReactFlow, ViewportPortal } from '@xyflow/react'
import { useEffect } from 'react'
import { absolutePosition, sizeOf } from '../core/geometry'
import type { LiveRoom, RoomSnapshot } from '../core/live'
import type { DiagramState } from '../core/types'
import { useRoomSnapshot } from '../workspace/useLiveRoom'

const STATUS_TEXT: Record<RoomSnapshot['status'], string> = {
  connecting: 'Joining the room…',
  open: 'Live',
  offline: 'Offline: edits are saved without the room, reconnecting…',
  refused: 'The live room is not available for this model.',
}

export function PresenceBar({ room }: { room: LiveRoom }) {
  const snapshot = useRoomSnapshot(room)
  const people = snapshot.me ? [{ participant: snapshot.me, you: true }, ...snapshot.peers.map((peer) => ({ participant: peer.participant, you: false }))] : []
  return (
    <div className="presence" role="group" aria-label="People in this model">
      <span className={`presence-status is-${snapshot.status}`} title={STATUS_TEXT[snapshot.status]} aria-label={STATUS_TEXT[snapshot.status]} />
      {people.map(({ participant, you }) => (
        <span
          key={participant.id}
          className={`avatar${you ? ' is-you' : ''}`}
          style={{ background: participant.colour }}
          title={`${participant.name}${you ? ' (you)' : ''} · ${participant.role}`}
          aria-label={`${participant.name}${you ? ' (you)' : ''}, ${participant.role}`}
        >
          {participant.initials}
        </span>
      ))}
    </div>
  )
}

/** Inside <ReactFlow>: the others' selections and cursors, and the own cursor sent to the room. */
export function PeerOverlay({ room, diagramId, state }: { room: LiveRoom; diagramId: number; state: DiagramState }) {
  const peers = useRoomSnapshot(room).peers.filter((peer) => peer.diagram === diagramId)
  const flow = useReactFlow()
  const dom = useStore((s) => s.domNode)
  useEffect(() => {
    if (!dom) return
    const move = (event: PointerEvent) => room.setPresence({ cursor: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }) })
    const leave = () => room.setPresence({ cursor: null })
    dom.addEventListener('pointermove', move)
    dom.addEventListener('pointerleave', leave)
    return () => {
      dom.removeEventListener('pointermove', move)
      dom.removeEventListener('pointerleave', leave)
    }
  }, [dom, flow, room])

  return (
    <ViewportPortal>
      {peers.map((peer) => (
        <div key={peer.participant.id} className="peer" data-peer={peer.participant.name}>
          {peer.selection.map((key) => {
            const element = state.elements.get(key)
            if (!element) return null
            const at = absolutePosition(state, key)
            const box = sizeOf(element)
            return (
              <div
                key={key}
                className="peer-selection"
                data-key={key}
                style={{ left: at.x - 5, top: at.y - 5, width: box.width + 10, height: box.height + 10, borderColor: peer.participant.colour }}
              >
                <span className="peer-tag" style={{ background: peer.participant.colour }}>
                  {peer.participant.initials}
                </span>
              </div>
            )
          })}
          {peer.cursor && (
            <div className="peer-cursor" style={{ left: peer.cursor.x, top: peer.cursor.y, color: peer.participant.colour }} aria-hidden="true">
              <svg width="16" height="16" viewBox="0 0 16 16">
                <path d="M1 1 L1 13 L5 9.5 L8 15 L10 14 L7 8.5 L12 8.5 Z" fill="currentColor" stroke="#fff" strokeWidth="1" />
              </svg>
              <span className="peer-name" style={{ background: peer.participant.colour }}>
                {peer.participant.name}
              </span>
            </div>
          )}
        </div>
      ))}
    </ViewportPortal>
  )
}
