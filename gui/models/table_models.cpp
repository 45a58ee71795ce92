#include "models/table_models.h"

#include <QColor>
#include <QFont>

#include "h2/names.h"

namespace h2lens::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}
QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString blockValue(const std::optional<HeaderBlock>& b, std::string_view name) {
    if (!b) return {};
    for (const HeaderField& h : b->fields) {
        if (h.nameKnown && h.name == name) return qs(h.value);
    }
    return {};
}

QString statusOf(const StreamRecord& r) { return qs(streamStatus(r)); }

QString endText(const StreamRecord& r) { return QString::fromStdString(streamEndText(r)); }

std::optional<TimestampNs> streamStart(const StreamRecord& r) {
    if (r.requestStart) return r.requestStart;
    if (r.request) return r.request->ts;
    return r.responseStart;
}

}  // namespace

QString headerFieldName(const HeaderField& h) {
    return h.nameKnown ? qs(h.name) : QStringLiteral("?%1").arg(qs(h.unknownRef));
}

QString headerFieldValue(const HeaderField& h) {
    return h.valueKnown ? qs(h.value) : QStringLiteral("<unknown: %1>").arg(qs(h.unknownRef));
}

QString hpackRepresentationText(const HeaderField& h) {
    QString s;
    switch (h.representation) {
        case HpackRepresentation::Indexed:
            s = QStringLiteral("indexed #%1").arg(h.index);
            break;
        case HpackRepresentation::LiteralIncremental:
            s = QStringLiteral("literal, indexed");
            break;
        case HpackRepresentation::LiteralWithoutIndexing:
            s = QStringLiteral("literal");
            break;
        case HpackRepresentation::LiteralNeverIndexed:
            s = QStringLiteral("literal, NEVER indexed");
            break;
    }
    if (h.representation != HpackRepresentation::Indexed && h.index) {
        s += QStringLiteral(" (name #%1)").arg(h.index);
    }
    if (h.nameHuffman || h.valueHuffman) s += QStringLiteral(", huffman");
    if (!h.nameKnown || !h.valueKnown) {
        s += QStringLiteral(", unknown: from before the capture (%1)").arg(qs(h.unknownRef));
    }
    return s;
}

QString relativeSeconds(TimestampNs ts, TimestampNs base) {
    return QString::number(static_cast<double>(ts - base) / 1e9, 'f', 6);
}

// ---------------------------------------------------------------- ConnectionsModel

ConnectionsModel::ConnectionsModel(const CaptureStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store) {
    connect(store, &CaptureStore::cleared, this, [this] {
        beginResetModel();
        m_rows = 0;
        endResetModel();
    });
    connect(store, &CaptureStore::connectionsAdded, this, [this](int first, int last) {
        beginInsertRows({}, first, last);
        m_rows = last + 1;
        endInsertRows();
    });
    connect(store, &CaptureStore::connectionChanged, this, [this](int i) {
        if (i < m_rows) Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
    });
}

int ConnectionsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_rows;
}
int ConnectionsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows) return {};
    const ConnectionData& c = m_store->connections()[index.row()];
    const int streams = static_cast<int>(c.streams.size());
    const qulonglong anomalies = c.anomalies.size();
    if (role == kConnIdRole) return QVariant::fromValue<qulonglong>(c.info.id);
    if (role == kStoreIndexRole) return index.row();
    if (role == Qt::TextAlignmentRole) {
        return index.column() >= Streams ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    }
    if (role == Qt::ForegroundRole && index.column() == Anomalies && anomalies) {
        return QColor(0xd0, 0x40, 0x30);
    }
    if (role == Qt::ToolTipRole) {
        // The full text of the columns that may be cut; the protocol with how it was found.
        if (index.column() == Client) return qs(c.info.client.toString());
        if (index.column() == Server) return qs(c.info.server.toString());
        if (index.column() == Protocol) {
            return c.done && !c.summary.detectionDetail.empty()
                       ? QStringLiteral("%1\n%2").arg(qs(c.protocol()),
                                                      qs(c.summary.detectionDetail))
                       : qs(c.protocol());
        }
        return {};
    }
    if (role != Qt::DisplayRole && role != kSortRole) return {};
    const bool sort = role == kSortRole;
    switch (index.column()) {
        case Id:
            return sort ? QVariant::fromValue<qulonglong>(c.info.id) : QString::number(c.info.id);
        case Client:
            return qs(c.info.client.toString());
        case Server:
            return qs(c.info.server.toString());
        case Protocol:
            return qs(c.protocol());
        case Streams:
            return sort ? QVariant(streams) : QVariant(QString::number(streams));
        case Bytes:
            return sort ? QVariant::fromValue<qulonglong>(c.bytes())
                        : QVariant(qs(formatBytes(c.bytes())));
        case Anomalies:
            return sort ? QVariant(anomalies) : QVariant(QString::number(anomalies));
        default:
            return {};
    }
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"#",       "Client", "Server",   "Protocol",
                                  "Streams", "Bytes",  "Anomalies"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

// ---------------------------------------------------------------- StreamsModel

StreamsModel::StreamsModel(const CaptureStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store) {
    connect(store, &CaptureStore::cleared, this, [this] {
        beginResetModel();
        m_rows = 0;
        endResetModel();
    });
    connect(store, &CaptureStore::streamsAdded, this, [this](int first, int last) {
        beginInsertRows({}, first, last);
        m_rows = last + 1;
        endInsertRows();
    });
}

int StreamsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_rows;
}
int StreamsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows) return {};
    const StreamData& s = m_store->streams()[index.row()];
    const StreamRecord& r = s.rec;
    if (role == kConnIdRole) return QVariant::fromValue<qulonglong>(s.connId);
    if (role == kStreamIdRole) return QVariant::fromValue<uint>(r.id);
    if (role == kStoreIndexRole) return index.row();
    const int col = index.column();
    if (role == Qt::TextAlignmentRole) {
        const bool right = col == Conn || col == Stream || col == RequestBytes ||
                           col == ResponseBytes || col == Start || col == Duration || col == Status;
        return right ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    }
    if (role == Qt::ForegroundRole) {
        const QString st = statusOf(r);
        if (col == Status && (st.startsWith('4') || st.startsWith('5')))
            return QColor(0xd0, 0x40, 0x30);
        if (col == End && r.end != StreamEnd::Complete) return QColor(0xd0, 0x40, 0x30);
        return {};
    }
    const auto start = streamStart(r);
    const TimestampNs base = m_store->captureStart();
    const bool sort = role == kSortRole;
    if (role == Qt::ToolTipRole) {
        if (col == Method || col == Path || col == Authority || col == ContentType || col == End) {
            return data(index, Qt::DisplayRole);
        }
        return {};
    }
    if (role != Qt::DisplayRole && !sort) return {};
    switch (col) {
        case Conn:
            return sort ? QVariant::fromValue<qulonglong>(s.connId)
                        : QVariant(QString::number(s.connId));
        case Stream:
            return sort ? QVariant::fromValue<uint>(r.id)
                        : QVariant(QString::number(r.id) +
                                   (r.pushed ? QStringLiteral(" (push)") : QString()));
        case Method:
            return blockValue(r.request, ":method");
        case Authority:
            return blockValue(r.request, ":authority");
        case Path:
            return blockValue(r.request, ":path");
        case Status: {
            const QString st = statusOf(r);
            return sort ? QVariant(st.toInt()) : QVariant(st);
        }
        case ContentType:
            return blockValue(r.response, "content-type");
        case RequestBytes:
            return sort ? QVariant::fromValue<qulonglong>(r.requestBodyBytes)
                        : QVariant(QString::number(r.requestBodyBytes));
        case ResponseBytes:
            return sort ? QVariant::fromValue<qulonglong>(r.responseBodyBytes)
                        : QVariant(QString::number(r.responseBodyBytes));
        case Start:
            if (!start) return sort ? QVariant(-1.0) : QVariant();
            return sort ? QVariant(static_cast<double>(*start - base))
                        : QVariant(relativeSeconds(*start, base));
        case Duration: {
            if (!start || !r.closed) return sort ? QVariant(-1.0) : QVariant();
            const double ms = static_cast<double>(*r.closed - *start) / 1e6;
            return sort ? QVariant(ms) : QVariant(QString::number(ms, 'f', 3));
        }
        case End:
            return endText(r);
        default:
            return {};
    }
}

QVariant StreamsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    static const char* names[] = {"Conn",   "ID",        "Method",       "Authority",
                                  "Path",   "Status",    "Content-Type", "Req B",
                                  "Resp B", "Start (s)", "Dur (ms)",     "End"};
    static const char* tips[] = {"connection",
                                 "stream id",
                                 ":method",
                                 ":authority",
                                 ":path",
                                 ":status",
                                 "response content-type",
                                 "request body bytes (DATA payload)",
                                 "response body bytes (DATA payload)",
                                 "request start, seconds since the first packet",
                                 "request start to stream close, ms",
                                 "how the stream ended"};
    if (section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) return tr(names[section]);
    if (role == Qt::ToolTipRole) return tr(tips[section]);
    return {};
}

// ---------------------------------------------------------------- StreamFilterProxy

StreamFilterProxy::StreamFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(kSortRole);
    setDynamicSortFilter(true);
}

void StreamFilterProxy::setFilterString(const QString& text) {
    m_text = text;
    m_filter = StreamFilter::parse(text.toStdString());
    invalidateFilter();
}

void StreamFilterProxy::setConnection(std::optional<std::uint64_t> connId) {
    if (m_conn == connId) return;
    m_conn = connId;
    invalidateFilter();
}

bool StreamFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
    auto* model = qobject_cast<const StreamsModel*>(sourceModel());
    if (!model) return true;
    const StreamData& s = model->store()->streams()[sourceRow];
    if (m_conn && s.connId != *m_conn) return false;
    if (m_filter.empty()) return true;
    FilterTarget target{s.connId, &s.rec, {}};
    if (m_filter.usesAnomalies()) {
        if (const ConnectionData* c = model->store()->connection(s.connId)) {
            for (const Anomaly& a : c->anomalies) {
                if (a.streamId == s.rec.id) target.anomalies.push_back(a.name);
            }
        }
    }
    return m_filter.matches(target);
}

// ---------------------------------------------------------------- FramesModel

FramesModel::FramesModel(const CaptureStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store) {
    connect(store, &CaptureStore::cleared, this, [this] { setStream(-1, 0); });
    connect(store, &CaptureStore::connectionChanged, this, [this](int i) {
        if (i != m_conn) return;
        // Append the frames that arrived since the last rebuild.
        const auto& frames = m_store->connections()[i].frames;
        const std::uint32_t from = m_rows.empty() ? 0 : m_rows.back() + 1;
        std::vector<std::uint32_t> add;
        for (std::uint32_t k = from; k < frames.size(); ++k) {
            if (m_all || frames[k].streamId == m_stream) add.push_back(k);
        }
        if (add.empty()) return;
        beginInsertRows({}, static_cast<int>(m_rows.size()),
                        static_cast<int>(m_rows.size() + add.size() - 1));
        m_rows.insert(m_rows.end(), add.begin(), add.end());
        endInsertRows();
    });
}

void FramesModel::setStream(int connIndex, std::uint32_t streamId, bool allStreams) {
    beginResetModel();
    m_conn = connIndex;
    m_stream = streamId;
    m_all = allStreams;
    rebuild();
    endResetModel();
}

void FramesModel::rebuild() {
    m_rows.clear();
    if (m_conn < 0 || m_conn >= static_cast<int>(m_store->connections().size())) {
        m_conn = -1;
        return;
    }
    const auto& frames = m_store->connections()[m_conn].frames;
    for (std::uint32_t k = 0; k < frames.size(); ++k) {
        if (m_all || frames[k].streamId == m_stream) m_rows.push_back(k);
    }
}

int FramesModel::rowOfFrame(std::size_t frameIndex) const {
    auto it = std::lower_bound(m_rows.begin(), m_rows.end(), frameIndex);
    return it != m_rows.end() && *it == frameIndex ? static_cast<int>(it - m_rows.begin()) : -1;
}

int FramesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}
int FramesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FramesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size())) return {};
    const ConnectionData& c = m_store->connections()[m_conn];
    const std::uint32_t k = m_rows[index.row()];
    const FrameMark& f = c.frames[k];
    if (role == kFrameIndexRole) return k;
    if (role == kConnIdRole) return QVariant::fromValue<qulonglong>(c.info.id);
    if (role == kStreamIdRole) return QVariant::fromValue<uint>(f.streamId);
    if (role == Qt::ForegroundRole && (f.malformed || f.type == 0x3 || f.type == 0x7)) {
        return QColor(0xd0, 0x40, 0x30);
    }
    if (role == Qt::ToolTipRole) {  // the text columns, which a narrow pane may cut
        if (index.column() == Type || index.column() == Flags || index.column() == Details)
            return data(index, Qt::DisplayRole);
        return {};
    }
    if (role != Qt::DisplayRole && role != kSortRole) return {};
    switch (index.column()) {
        case Index:
            return k;
        case Time:
            return relativeSeconds(f.ts, m_store->captureStart());
        case Dir:
            return f.dir == Direction::ClientToServer ? QStringLiteral("C→S")
                                                      : QStringLiteral("S→C");
        case Type:
            return qs(frameTypeName(f.type));
        case Flags:
            return f.flags ? QStringLiteral("0x%1 %2")
                                 .arg(f.flags, 2, 16, QChar('0'))
                                 .arg(qs(frameFlagNames(f.type, f.flags)))
                           : QStringLiteral("0x00");
        case Length:
            return f.length;
        case Stream:
            return f.streamId;
        case Details:
            return qs(frameDetailText(c, f));
        default:
            return {};
    }
}

QVariant FramesModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"#",     "Time (s)", "Dir",    "Type",
                                  "Flags", "Length",   "Stream", "Details"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

// ---------------------------------------------------------------- AnomaliesModel

AnomaliesModel::AnomaliesModel(const CaptureStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store) {
    connect(store, &CaptureStore::cleared, this, [this] { setConnection(-1); });
    connect(store, &CaptureStore::connectionChanged, this, [this](int i) {
        if (m_conn >= 0 && i != m_conn) return;
        int have = 0;
        for (const auto& [ci, ai] : m_rows) have += ci == i;
        if (have == static_cast<int>(m_store->connections()[i].anomalies.size())) return;
        setConnection(m_conn);
    });
}

void AnomaliesModel::setConnection(int connIndex) {
    beginResetModel();
    m_conn = connIndex;
    rebuild();
    endResetModel();
}

void AnomaliesModel::rebuild() {
    m_rows.clear();
    const auto& conns = m_store->connections();
    for (int ci = 0; ci < static_cast<int>(conns.size()); ++ci) {
        if (m_conn >= 0 && ci != m_conn) continue;
        for (int ai = 0; ai < static_cast<int>(conns[ci].anomalies.size()); ++ai)
            m_rows.emplace_back(ci, ai);
    }
}

const Anomaly* AnomaliesModel::anomaly(int row, std::uint64_t* connId) const {
    if (row < 0 || row >= static_cast<int>(m_rows.size())) return nullptr;
    const ConnectionData& c = m_store->connections()[m_rows[row].first];
    if (connId) *connId = c.info.id;
    return &c.anomalies[m_rows[row].second];
}

int AnomaliesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}
int AnomaliesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AnomaliesModel::data(const QModelIndex& index, int role) const {
    std::uint64_t conn = 0;
    const Anomaly* a = anomaly(index.row(), &conn);
    if (!a || !index.isValid()) return {};
    if (role == kConnIdRole) return QVariant::fromValue<qulonglong>(conn);
    if (role == kStreamIdRole) return QVariant::fromValue<uint>(a->streamId);
    if (role == Qt::ToolTipRole) return qs(a->detail);
    if (role != Qt::DisplayRole && role != kSortRole) return {};
    switch (index.column()) {
        case Time:
            return relativeSeconds(a->ts, m_store->captureStart());
        case Conn:
            return QVariant::fromValue<qulonglong>(conn);
        case Stream:
            return a->streamId;
        case Dir:
            return a->dir == Direction::ClientToServer ? QStringLiteral("C→S")
                                                       : QStringLiteral("S→C");
        case Name:
            return qs(a->name);
        case Rfc:
            return qs(a->rfc);
        case Detail:
            return qs(a->detail);
        default:
            return {};
    }
}

QVariant AnomaliesModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Time (s)", "Conn", "Stream", "Dir", "Anomaly", "RFC", "Detail"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace h2lens::gui
