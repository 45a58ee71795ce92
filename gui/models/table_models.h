#pragma once
// Item models over a CaptureStore. Every model answers Qt::DisplayRole with text, kSortRole with
// a value that sorts numerically, and Qt::ToolTipRole where the text is cut.
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <optional>
#include <vector>

#include "filter/stream_filter.h"
#include "models/capture_store.h"

namespace h2lens::gui {

inline constexpr int kSortRole = Qt::UserRole + 1;
inline constexpr int kConnIdRole = Qt::UserRole + 2;
inline constexpr int kStreamIdRole = Qt::UserRole + 3;
inline constexpr int kStoreIndexRole = Qt::UserRole + 4;  // row's index in the store's vector
inline constexpr int kFrameIndexRole = Qt::UserRole + 5;  // index in ConnectionData::frames

// One row per TCP connection: #, client, server, protocol, streams, bytes, anomalies.
class ConnectionsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Id, Client, Server, Protocol, Streams, Bytes, Anomalies, ColumnCount };
    explicit ConnectionsModel(const CaptureStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

  private:
    const CaptureStore* m_store;
    int m_rows = 0;
};

// One row per finished stream of every connection.
class StreamsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        Conn,
        Stream,
        Method,
        Authority,
        Path,
        Status,
        ContentType,
        RequestBytes,
        ResponseBytes,
        Start,
        Duration,
        End,
        ColumnCount
    };
    explicit StreamsModel(const CaptureStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;
    const CaptureStore* store() const { return m_store; }

  private:
    const CaptureStore* m_store;
    int m_rows = 0;
};

// Sorting and the filter box over StreamsModel. The filter is the library's stream filter
// language (filter/stream_filter.h, docs/filter.md), the one the CLI's -Y takes:
//   status:404  status:5xx  method:POST  path:/api  authority:host  header:name=value  conn:3
//   stream:5  end:reset  anomaly:NAME  dur>100ms, and a bare word; a leading '!' negates a term.
class StreamFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    explicit StreamFilterProxy(QObject* parent = nullptr);
    void setFilterString(const QString& text);
    QString filterString() const { return m_text; }
    // Sentences about terms that could not be read (they match nothing); empty when fine.
    const std::vector<std::string>& filterErrors() const { return m_filter.errors(); }
    // Only streams of this connection (nullopt: all).
    void setConnection(std::optional<std::uint64_t> connId);
    std::optional<std::uint64_t> connection() const { return m_conn; }

  protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

  private:
    QString m_text;
    StreamFilter m_filter;
    std::optional<std::uint64_t> m_conn;
};

// The frames of one stream of one connection (stream 0: the connection-level frames).
class FramesModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Index, Time, Dir, Type, Flags, Length, Stream, Details, ColumnCount };
    explicit FramesModel(const CaptureStore* store, QObject* parent = nullptr);
    // connIndex -1 clears; `allStreams` lists every frame of the connection.
    void setStream(int connIndex, std::uint32_t streamId, bool allStreams = false);
    // Row of the connection's frame `frameIndex`, or -1.
    int rowOfFrame(std::size_t frameIndex) const;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

  private:
    void rebuild();
    const CaptureStore* m_store;
    int m_conn = -1;
    std::uint32_t m_stream = 0;
    bool m_all = false;
    std::vector<std::uint32_t> m_rows;  // indexes into the connection's frames
};

// Wireshark's "expert info": every anomaly of one connection (or of all, connIndex -1).
class AnomaliesModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Time, Conn, Stream, Dir, Name, Rfc, Detail, ColumnCount };
    explicit AnomaliesModel(const CaptureStore* store, QObject* parent = nullptr);
    void setConnection(int connIndex);
    const Anomaly* anomaly(int row, std::uint64_t* connId = nullptr) const;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

  private:
    void rebuild();
    const CaptureStore* m_store;
    int m_conn = -1;
    std::vector<std::pair<int, int>> m_rows;  // (connection index, anomaly index)
};

QString headerFieldName(const HeaderField& h);
QString headerFieldValue(const HeaderField& h);
// "indexed #62", "literal incremental (name #4)", "never indexed", "unknown (pre-capture#3)".
QString hpackRepresentationText(const HeaderField& h);
QString relativeSeconds(TimestampNs ts, TimestampNs base);

}  // namespace h2lens::gui
